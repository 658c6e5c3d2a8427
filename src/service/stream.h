// Fan-out of live frames to many Server-Sent-Events clients at once.
//
// The simulation thread publishes each frame once (a shared, immutable string);
// every subscribed client has its own bounded queue of frames. Publishing never
// waits for a client: when a client's queue is full its oldest frame is dropped
// (a slow client sees fewer, always recent, frames; the twin keeps its pace).
// Each client's HTTP thread waits on its own queue.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cb::service {

using Frame = std::shared_ptr<const std::string>;

class StreamHub {
 public:
  class Client {
   public:
    long long dropped() const;

   private:
    friend class StreamHub;
    mutable std::mutex mu_;
    std::condition_variable ready_;
    std::deque<Frame> queue_;
    long long dropped_ = 0;
    bool closed_ = false;
  };

  // `queue_frames` >= 1 frames are kept per client; at most `max_clients` at once.
  StreamHub(std::size_t queue_frames, int max_clients);

  // A new client whose queue starts with `first` (when not null); nullptr when
  // max_clients are connected or the hub is closed.
  std::shared_ptr<Client> Subscribe(const Frame& first);
  void Unsubscribe(const std::shared_ptr<Client>& client);

  // Queues `frame` for every client.
  void Publish(const Frame& frame);

  // The client's next frame, waiting at most `timeout`; nullptr on time-out or
  // once the hub (or the client) is closed.
  Frame Next(Client& client, std::chrono::milliseconds timeout);

  // Wakes and ends every client; Subscribe fails from then on.
  void Close();
  bool closed() const;

  int clients() const;
  long long dropped_frames() const;  // over all clients, since the start

 private:
  const std::size_t queue_frames_;
  const int max_clients_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Client>> clients_;
  bool closed_ = false;
  long long dropped_ = 0;
};

}  // namespace cb::service
