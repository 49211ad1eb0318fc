// Fixture for the layers.check_catches_violations test: a public header with a private include.
#pragma once

#include "kernels/gemm.h"
