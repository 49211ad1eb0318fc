// Fixture for the layers.check_catches_violations test: data must not use ops (an upward include).
#include "soma/data/dataset.h"

#include "soma/ops/view.h"
