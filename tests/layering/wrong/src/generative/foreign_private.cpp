// Fixture for the layers.check_catches_violations test: data's private header outside data.
#include "soma/generative/gan.h"

#include "data/byte_reader.h"
