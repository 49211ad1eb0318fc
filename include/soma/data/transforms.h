// Batch transforms for DataLoaderOptions::transforms: normalization, scaling, a random flip
// and compose (a list as one transform); the other augmentations are in augment.h.
// Each returns a new x and leaves y alone; none records an autograd graph.
#pragma once

#include <vector>

#include "soma/data/dataloader.h"

namespace soma::data {

/// x -> (x - mean) / std_dev, like torchvision's Normalize. One value each normalizes all of x;
/// C values normalize channel c of x [N, C, ...] with mean[c] and std_dev[c]:
///   .transforms = {data::normalize({0.2860}, {0.3530})}            // Fashion-MNIST
///   .transforms = {data::normalize({0.49, 0.48, 0.45}, {0.25, 0.24, 0.26})}
/// Throws soma::Error now when the lists are empty or differ in length or a std_dev is not
/// positive; and, when applied, when x is int64 or its channel count (axis 1) differs from C.
Transform normalize(std::vector<double> mean, std::vector<double> std_dev);

/// x -> x * factor (e.g. 1.0 / 255 for raw pixel values). Throws, when applied, for int64 x.
Transform scale(double factor);

inline constexpr double kFlipProbability = 0.5;  ///< random_horizontal_flip's default p
/// Flips each example of x [N, ..., W] along its last axis with probability p (augmentation
/// for images [N, C, H, W]). Draws one uniform per example, flipped or not, from the batch's
/// generator. Throws soma::Error now for p outside [0, 1]; when applied, for x with fewer
/// than 2 dimensions.
Transform random_horizontal_flip(double p = kFlipProbability);

/// The transforms applied one after another, each to the previous one's result, all drawing
/// from the batch's generator (torchvision's Compose): one Transform for a list, e.g.
///   auto augment = data::compose({data::random_shift(2), data::random_horizontal_flip()});
/// Throws soma::Error naming compose now when a transform is empty.
Transform compose(std::vector<Transform> transforms);

}  // namespace soma::data
