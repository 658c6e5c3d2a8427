// The latest state of the twin as the API serves it: the body of GET
// /api/v1/state and the Server-Sent-Events stream of GET /api/v1/stream.
//
// The simulation thread publishes a frame (Publish) every simulated second, at most
// `max_frame_rate_hz` times per wall second, and after every settings change; HTTP
// handlers read the latest body (State, GzippedState), follow the stream
// (Subscribe, Next, Unsubscribe) or wait until a settings change shows
// (AwaitVersion). A frame is formatted once and shared by every reader.
//
// Locking: `mu_` (the frame mutex) guards the latest body, its SSE message, the
// cached gzip of the body and the published settings version. The StreamHub has its
// own lock, taken by Publish and Subscribe while they hold `mu_` (order: `mu_`,
// then the hub's), so that a new client starts with the latest frame and then sees
// every later one exactly once, in order. No other service lock is taken under
// `mu_`, and it is never held while formatting or compressing; callers must not
// hold SimulationLoop's mutex when calling in (the simulation thread publishes
// after releasing it).
// Threads: Publish from the simulation thread (or before it starts); everything
// else from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "service/snapshot.h"
#include "service/stream.h"

namespace cb::service {

class FramePublisher {
 public:
  // `stream_queue_frames` frames are kept per stream client, at most
  // `max_stream_clients` clients at once (StreamHub).
  FramePublisher(std::size_t stream_queue_frames, int max_stream_clients);

  // Formats `live` (stream_clients is filled in here) and makes it the latest
  // frame; wakes AwaitVersion callers waiting for `settings_version` or earlier.
  void Publish(LiveState live, long long settings_version);

  // The JSON body of the latest frame; never null once a frame was published.
  Frame State() const;
  // `state` gzipped: compressed once per frame, by the first caller that wants it.
  Frame GzippedState(const Frame& state);
  // Returns once a frame published for `settings_version` or a later one is out,
  // or after `timeout`.
  void AwaitVersion(long long settings_version, std::chrono::milliseconds timeout);

  // The stream: a new client whose queue starts with the latest frame; nullptr
  // when max_stream_clients are connected or the publisher is closed.
  std::shared_ptr<StreamHub::Client> Subscribe();
  Frame Next(StreamHub::Client& client, std::chrono::milliseconds timeout) {
    return hub_.Next(client, timeout);
  }
  void Unsubscribe(const std::shared_ptr<StreamHub::Client>& client) { hub_.Unsubscribe(client); }
  // Ends every stream (their HTTP threads are freed); Subscribe fails from then on.
  void Close() { hub_.Close(); }
  bool closed() const { return hub_.closed(); }

 private:
  StreamHub hub_;
  mutable std::mutex mu_;
  std::condition_variable published_;
  Frame state_json_;    // body of GET /api/v1/state
  Frame stream_frame_;  // the same as an SSE message
  Frame state_gzip_;    // gzip of state_gzip_of_, made on demand
  Frame state_gzip_of_;
  long long published_version_ = -1;
};

}  // namespace cb::service
