# Runs cmake/check_layers.cmake on the fixture tree wrong/ and passes only when the check fails
# and reports each of the fixture's three violations at its file and line.
#   cmake -DCHECK=<cmake/check_layers.cmake> -P tests/layering/expect_violations.cmake
execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${CMAKE_CURRENT_LIST_DIR}/wrong -P ${CHECK}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "the layer check passed a tree that breaks the rule:\n${out}")
endif()
foreach(expected
    "src/data/upward.cpp:4: data includes soma/ops/view.h, but data may use only: core"
    "src/generative/foreign_private.cpp:4: generative includes data/byte_reader.h: src/data/*.h is private to data"
    "include/soma/nn/leaks_private.h:4: nn includes kernels/gemm.h: a public header cannot include a private one"
    "3 layering violation(s)")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected the layer check to report\n  ${expected}\nit printed:\n${out}")
  endif()
endforeach()
message("the layer check caught the fixture's 3 violations")
