// GET /api/v1/stream: the live state as Server-Sent Events (docs/api.md). Each open
// stream holds one of the HTTP front's stream threads (never a request worker:
// http_front.h), which waits on its own queue of frames (FramePublisher /
// StreamHub): the twin never waits for a client.
#include "service/http_common.h"

namespace cb::service::http {
namespace {

void GetStream(const ApiContext& api, const Request& /*req*/, Response& res) {
  std::shared_ptr<StreamHub::Client> client = api.frames.Subscribe();
  if (!client) {
    return SendError(res, 503,
                     "too many stream clients (" + std::to_string(api.options.max_stream_clients) +
                         "); poll GET /api/v1/state instead");
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&api, client](std::size_t /*offset*/, httplib::DataSink& sink) {
        Frame frame = api.frames.Next(*client, std::chrono::seconds(2));
        if (!frame) {
          if (api.frames.closed()) {
            sink.done();
            return true;
          }
          // Nothing new (paused): a comment line keeps proxies and dead-peer detection going.
          static constexpr char kPing[] = ": ping\n\n";
          return sink.write(kPing, sizeof kPing - 1);
        }
        return sink.write(frame->data(), frame->size());
      },
      [&api, client](bool /*success*/) { api.frames.Unsubscribe(client); });
}

}  // namespace

void InstallStreamRoutes(httplib::Server& server, const ApiContext& api) {
  server.Get("/api/v1/stream", Bind(api, GetStream));
}

}  // namespace cb::service::http
