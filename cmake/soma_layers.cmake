# The layers of the library (docs/design.md), bottom up, and the layers each one uses directly.
# One table, two readers: CMakeLists.txt makes one static library soma_<layer> of
# src/<layer>/*.cpp per row, linking the layers it uses; cmake/check_layers.cmake checks every
# #include of src/ and include/soma/ against it (run at build time and by ctest).
#
# The include rule: a file of layer L may include
#   - the public headers (soma/<M>/...) of L and of every layer L uses, directly or through others;
#   - its own layer's private headers (src/L/*.h, as "x.h" or "L/x.h");
#   - the headers of kernels ("kernels/x.h") when L uses kernels, directly or through others.
#     kernels has no public headers: src/kernels/*.h is its interface to the layers above it,
#     never installed and never included by a public header.
# Every other private header (src/<M>/*.h, M not kernels) is visible only inside M.
# Public headers (include/soma/L/) follow the same rule, without any private header.
# Usable from a `cmake -P` script: nothing here needs a project.

set(SOMA_LAYERS core kernels autograd ops nn optim data io train generative models rl detection classic config)
set(SOMA_USES_core "")
set(SOMA_USES_kernels core)                 # raw loops know sizes and pointers, not tensors
set(SOMA_USES_autograd kernels)
set(SOMA_USES_ops autograd)
set(SOMA_USES_nn ops)
set(SOMA_USES_optim autograd)               # parameters and gradients, not layers
set(SOMA_USES_data core)                    # data knows nothing of autograd
set(SOMA_USES_io nn)                        # model save/load names a Module's tensors
set(SOMA_USES_train nn optim data io)
set(SOMA_USES_generative train)
set(SOMA_USES_models nn)                    # the named architectures (docs/models.md's zoo)
set(SOMA_USES_rl train)                     # environments, replay and agents trained by the Loop
set(SOMA_USES_detection train)              # boxes, YOLO loss, NMS, mAP, localization and detection learners
set(SOMA_USES_classic train)                # k-means, RBFN fits and the SOM need data, not autograd's graph
set(SOMA_USES_config generative rl models detection classic)

# Optional layers: features whose dependencies the core never needs (MPI `distributed`, the
# dashboard's HTTP `board`, ONNX `export`). Each becomes a row here, e.g.
# `set(SOMA_USES_distributed train)`, plus one soma_add_layer() call in CMakeLists.txt behind its
# option and find_package. No layer of SOMA_LAYERS may use one, and the umbrella target `soma`
# leaves them out: the programs that need one link soma_<name> themselves.
set(SOMA_OPTIONAL_LAYERS distributed)
set(SOMA_USES_distributed train)          # MPI data-parallel training (docs/distributed.md)
list(APPEND SOMA_OPTIONAL_LAYERS onnx)
set(SOMA_USES_onnx io models)             # ONNX export of nn models, written as io writes files (docs/onnx.md)
list(APPEND SOMA_OPTIONAL_LAYERS board)
set(SOMA_USES_board core)                 # the dashboard reads run folders' files, not the engine

# out_var = every layer that `layer` uses, directly or through others (without `layer` itself).
function(soma_layer_closure layer out_var)
  set(result "")
  set(todo ${SOMA_USES_${layer}})
  while(todo)
    list(POP_FRONT todo next)
    if(NOT next IN_LIST result)
      list(APPEND result ${next})
      list(APPEND todo ${SOMA_USES_${next}})
    endif()
  endwhile()
  set(${out_var} ${result} PARENT_SCOPE)
endfunction()
