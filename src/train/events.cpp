// EventStream: hands each event to every sink, in the order the sinks were added.
#include "soma/train/events.h"

#include "soma/core/error.h"

namespace soma::train {

void EventStream::add(std::shared_ptr<Sink> sink) {
  SOMA_CHECK(sink, "EventStream::add: the sink is null");
  sinks_.push_back(std::move(sink));
}

void EventStream::begin(std::int64_t epochs, std::int64_t step, std::int64_t epoch) {
  for (auto& s : sinks_) s->on_begin(epochs, step, epoch);
}

void EventStream::epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches, std::int64_t first_batch) {
  for (auto& s : sinks_) s->on_epoch_begin(epoch, epochs, batches, first_batch);
}

void EventStream::step(const StepEvent& event) {
  for (auto& s : sinks_) s->on_step(event);
}

void EventStream::epoch_end(const EpochEvent& event) {
  for (auto& s : sinks_) s->on_epoch_end(event);
}

void EventStream::images(const std::string& tag, std::int64_t epoch, const Tensor& images, double low, double high) {
  for (auto& s : sinks_) s->on_images(tag, epoch, images, low, high);
}

void EventStream::text(const std::string& tag, std::int64_t step, const std::string& text) {
  for (auto& s : sinks_) s->on_text(tag, step, text);
}

void EventStream::end() {
  for (auto& s : sinks_) s->on_end();
}

}  // namespace soma::train
