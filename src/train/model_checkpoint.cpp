// ModelCheckpoint: the save decision of keras.callbacks.ModelCheckpoint (strict improvement,
// no min_delta) over the Trainer's checkpoint or io::save.
#include "soma/train/model_checkpoint.h"

#include <cstdio>
#include <limits>

#include "soma/io/weights.h"
#include "soma/train/context.h"

namespace soma::train {

ModelCheckpoint::ModelCheckpoint(const ModelCheckpointOptions& options)
    : options_(options), mode_(resolve_mode(options.mode, options.monitor)) {
  SOMA_CHECK(!options.path.empty(), "ModelCheckpoint: path is empty");
  SOMA_CHECK(options.every_n_epochs >= 1, "ModelCheckpoint: every_n_epochs must be >= 1, got ", options.every_n_epochs);
}

std::string ModelCheckpoint::format_path(const std::string& path, std::int64_t epoch) {
  std::string out = path;
  const std::string key = "{epoch}", value = std::to_string(epoch + 1);
  for (std::size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size()))
    out.replace(at, key.size(), value);
  return out;
}

void ModelCheckpoint::on_train_begin(Context&) {
  best_ = mode_ == MonitorMode::min ? std::numeric_limits<double>::infinity()
                                    : -std::numeric_limits<double>::infinity();
}

void ModelCheckpoint::on_epoch_end(Context& context, std::int64_t epoch, Logs& logs) {
  if ((epoch + 1) % options_.every_n_epochs != 0) return;
  if (options_.save_best_only) {
    const auto it = logs.find(options_.monitor);
    if (it == logs.end()) {
      std::fprintf(stderr, "ModelCheckpoint: can save the best model only with '%s' logged; skipping\n",
                   options_.monitor.c_str());
      return;
    }
    const bool better = mode_ == MonitorMode::min ? it->second < best_ : it->second > best_;
    if (!better) return;
    if (options_.verbose > 0)
      std::printf("Epoch %lld: %s improved from %.5f to %.5f, saving to %s\n", (long long)epoch + 1,
                  options_.monitor.c_str(), best_, it->second, format_path(options_.path, epoch).c_str());
    best_ = it->second;
  } else if (options_.verbose > 0) {
    std::printf("Epoch %lld: saving to %s\n", (long long)epoch + 1, format_path(options_.path, epoch).c_str());
  }
  last_path_ = format_path(options_.path, epoch);
  if (options_.weights_only)
    io::save(context.model(), last_path_);
  else
    context.save_checkpoint(last_path_);  // written after every callback's on_epoch_end
}

std::map<std::string, Tensor> ModelCheckpoint::state_dict() const { return {{"best", detail::state_value(best_)}}; }

void ModelCheckpoint::load_state_dict(const std::map<std::string, Tensor>& state) {
  best_ = detail::read_value(state, "best", "ModelCheckpoint");
}

}  // namespace soma::train
