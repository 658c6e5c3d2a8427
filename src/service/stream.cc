#include "service/stream.h"

#include <algorithm>

namespace cb::service {

long long StreamHub::Client::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

StreamHub::StreamHub(std::size_t queue_frames, int max_clients)
    : queue_frames_(std::max<std::size_t>(queue_frames, 1)), max_clients_(max_clients) {}

std::shared_ptr<StreamHub::Client> StreamHub::Subscribe(const Frame& first) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || static_cast<int>(clients_.size()) >= max_clients_) return nullptr;
  auto client = std::make_shared<Client>();
  if (first) client->queue_.push_back(first);
  clients_.push_back(client);
  return client;
}

void StreamHub::Unsubscribe(const std::shared_ptr<Client>& client) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(std::remove(clients_.begin(), clients_.end(), client), clients_.end());
}

void StreamHub::Publish(const Frame& frame) {
  // Copy the list so that no client lock is taken under the hub lock for long.
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard<std::mutex> lock(mu_);
    clients = clients_;
  }
  long long dropped = 0;
  for (const std::shared_ptr<Client>& c : clients) {
    {
      std::lock_guard<std::mutex> lock(c->mu_);
      if (c->queue_.size() >= queue_frames_) {
        c->queue_.pop_front();
        ++c->dropped_;
        ++dropped;
      }
      c->queue_.push_back(frame);
    }
    c->ready_.notify_one();
  }
  if (dropped) {
    std::lock_guard<std::mutex> lock(mu_);
    dropped_ += dropped;
  }
}

Frame StreamHub::Next(Client& client, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(client.mu_);
  client.ready_.wait_for(lock, timeout, [&] { return client.closed_ || !client.queue_.empty(); });
  if (client.closed_ || client.queue_.empty()) return nullptr;
  Frame frame = std::move(client.queue_.front());
  client.queue_.pop_front();
  return frame;
}

void StreamHub::Close() {
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    clients = clients_;
  }
  for (const std::shared_ptr<Client>& c : clients) {
    {
      std::lock_guard<std::mutex> lock(c->mu_);
      c->closed_ = true;
    }
    c->ready_.notify_all();
  }
}

bool StreamHub::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

int StreamHub::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(clients_.size());
}

long long StreamHub::dropped_frames() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace cb::service
