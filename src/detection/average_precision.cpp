// VOC's evaluation (the devkit's VOCevaldet and voc_ap with use_07_metric false), per class.
#include "soma/detection/average_precision.h"

#include <algorithm>
#include <numeric>

#include "soma/core/error.h"

namespace soma::detection {

double voc_average_precision(const std::vector<double>& recall, const std::vector<double>& precision) {
  SOMA_CHECK(recall.size() == precision.size(), "voc_average_precision: ", recall.size(), " recalls but ",
             precision.size(), " precisions");
  // Sentinels (recall 0 and 1 with precision 0), then the precision envelope from the right.
  std::vector<double> r{0}, p{0};
  r.insert(r.end(), recall.begin(), recall.end()), r.push_back(1);
  p.insert(p.end(), precision.begin(), precision.end()), p.push_back(0);
  for (std::size_t i = p.size() - 1; i > 0; --i) p[i - 1] = std::max(p[i - 1], p[i]);
  double ap = 0;
  for (std::size_t i = 1; i < r.size(); ++i) ap += (r[i] - r[i - 1]) * p[i];
  return ap;
}

namespace {

// AP of one label: every image's detections of it, ranked, each matched greedily.
double label_ap(const std::vector<std::vector<Detection>>& detections, const std::vector<std::vector<Object>>& truths,
                int label, double threshold, std::int64_t positives) {
  struct Ranked {
    double score;
    std::size_t image;
    Box box;
  };
  std::vector<Ranked> ranked;
  for (std::size_t i = 0; i < detections.size(); ++i)
    for (const Detection& d : detections[i])
      if (d.label == label) ranked.push_back({d.score, i, d.box});
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  std::vector<std::vector<bool>> used(truths.size());
  for (std::size_t i = 0; i < truths.size(); ++i) used[i].assign(truths[i].size(), false);
  std::vector<double> recall, precision;
  std::int64_t tp = 0, fp = 0;
  for (const Ranked& d : ranked) {
    double best = -1;
    std::size_t at = 0;
    for (std::size_t j = 0; j < truths[d.image].size(); ++j) {
      const Object& t = truths[d.image][j];
      if (t.label != label) continue;
      const double o = iou(d.box, t.box);
      if (o > best) best = o, at = j;
    }
    if (best >= threshold && !used[d.image][at]) {
      used[d.image][at] = true;
      ++tp;
    } else {
      ++fp;
    }
    recall.push_back(double(tp) / double(positives));
    precision.push_back(double(tp) / double(tp + fp));
  }
  return voc_average_precision(recall, precision);
}

}  // namespace

MeanAveragePrecision mean_average_precision(const std::vector<std::vector<Detection>>& detections,
                                            const std::vector<std::vector<Object>>& truths, int classes,
                                            double iou_threshold) {
  SOMA_CHECK(detections.size() == truths.size(), "mean_average_precision: detections for ", detections.size(),
             " images but truths for ", truths.size());
  SOMA_CHECK(classes >= 1, "mean_average_precision: classes must be >= 1, got ", classes);
  SOMA_CHECK(iou_threshold > 0 && iou_threshold <= 1, "mean_average_precision: iou_threshold must lie in (0, 1], got ",
             iou_threshold);
  std::vector<std::int64_t> positives(std::size_t(classes), 0);
  for (const auto& image : truths)
    for (const Object& t : image) {
      SOMA_CHECK(t.label >= 0 && t.label < classes, "mean_average_precision: truth label ", t.label, " outside [0, ",
                 classes, ")");
      ++positives[std::size_t(t.label)];
    }
  for (const auto& image : detections)
    for (const Detection& d : image)
      SOMA_CHECK(d.label >= 0 && d.label < classes, "mean_average_precision: detection label ", d.label,
                 " outside [0, ", classes, ")");
  MeanAveragePrecision m;
  double sum = 0;
  int counted = 0;
  for (int c = 0; c < classes; ++c) {
    if (positives[std::size_t(c)] == 0) {
      m.per_class.push_back(-1);
      continue;
    }
    m.per_class.push_back(label_ap(detections, truths, c, iou_threshold, positives[std::size_t(c)]));
    sum += m.per_class.back(), ++counted;
  }
  m.map = counted > 0 ? sum / counted : 0;
  return m;
}

}  // namespace soma::detection
