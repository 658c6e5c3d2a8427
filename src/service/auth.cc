#include "service/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cb::service {
namespace {

constexpr std::size_t kTokenBytes = 32;

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const std::size_t begin = s.find_first_not_of(ws);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot read the operator token file");
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = Trim(text.str());
  if (token.empty()) return Status::InvalidInput(path + ": the operator token file is empty");
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidInput(path + ": the operator token must be one word");
  }
  return token;
}

Result<std::string> RandomToken() {
  unsigned char bytes[kTokenBytes];
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(std::string("/dev/urandom: ") + std::strerror(errno));
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::read(fd, bytes + got, sizeof bytes - got);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ::close(fd);
      return Status::IoError("/dev/urandom: short read");
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

}  // namespace

Result<std::string> LoadOrCreateToken(const std::string& data_dir, const std::string& token_file) {
  if (!token_file.empty()) return ReadToken(token_file);
  const std::string path = (std::filesystem::path(data_dir) / "operator.token").string();
  struct stat info;
  if (::stat(path.c_str(), &info) == 0) {
    // An operator token readable by the group or others is not a secret: narrow it.
    if ((info.st_mode & 077) != 0 && ::chmod(path.c_str(), 0600) != 0) {
      return Status::IoError(path + ": cannot restrict the token file to its owner: " + std::strerror(errno));
    }
    return ReadToken(path);
  }
  auto token = RandomToken();
  if (!token.ok()) return token.status();
  // O_EXCL: never overwrite a token another process just wrote.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return ReadToken(path);
    return Status::IoError(path + ": cannot create the operator token file: " + std::strerror(errno));
  }
  const std::string line = *token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) return Status::IoError(path + ": cannot write the operator token");
  return token;
}

bool TokensEqual(std::string_view expected, std::string_view given) {
  // Walk the expected token whatever was given, folding every difference (and the
  // length difference) into one accumulator: no early exit.
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(expected[i]) ^ g);
  }
  // Keep the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char result = diff;
  return result == 0 && !expected.empty();
}

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    // The scheme is case-insensitive (RFC 9110); ' ' | 0x20 is ' ' itself.
    if ((authorization[i] | 0x20) != (kScheme[i] | 0x20)) return std::nullopt;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace cb::service
