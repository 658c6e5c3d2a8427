#include "service/frame_publisher.h"

#include <algorithm>
#include <cstdio>

#include "service/gzip.h"

namespace cb::service {

FramePublisher::FramePublisher(std::size_t stream_queue_frames, int max_stream_clients)
    : hub_(stream_queue_frames, max_stream_clients) {}

void FramePublisher::Publish(LiveState live, long long settings_version) {
  live.stream_clients = hub_.clients();
  auto json = std::make_shared<const std::string>(StateJson(live));
  char head[64];
  std::snprintf(head, sizeof head, "event: state\nid: %.0f\ndata: ", live.time_s);
  auto frame = std::make_shared<const std::string>(head + *json + "\n\n");
  {
    // Published under mu_, as a new stream client subscribes with the latest
    // frame under it: every client sees each frame exactly once, in order.
    std::lock_guard<std::mutex> lock(mu_);
    state_json_ = json;
    stream_frame_ = frame;
    published_version_ = std::max(published_version_, settings_version);
    hub_.Publish(frame);
  }
  published_.notify_all();
}

Frame FramePublisher::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_json_;
}

Frame FramePublisher::GzippedState(const Frame& state) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_gzip_of_ == state) return state_gzip_;
  }
  auto gzipped = std::make_shared<const std::string>(Gzip(*state, 1));
  std::lock_guard<std::mutex> lock(mu_);
  if (state_json_ == state) {
    state_gzip_ = gzipped;
    state_gzip_of_ = state;
  }
  return gzipped;
}

void FramePublisher::AwaitVersion(long long settings_version, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  published_.wait_for(lock, timeout, [&] { return published_version_ >= settings_version; });
}

std::shared_ptr<StreamHub::Client> FramePublisher::Subscribe() {
  std::lock_guard<std::mutex> lock(mu_);  // see Publish
  return hub_.Subscribe(stream_frame_);
}

}  // namespace cb::service
