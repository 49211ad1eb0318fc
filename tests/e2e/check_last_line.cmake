# Runs a program and checks the last line of its output (the result line every example ends
# with): it must match LAST_LINE; with MAX, the regex's first group must be a number below MAX
# (with MIN, above MIN);
# with FILE, the program must have written that file (removed first, so a stale one cannot pass).
#   cmake -DPROGRAM=bin/xor "-DARGS=--steps 10000" "-DLAST_LINE=^final loss ([0-9.]+)$" -DMAX=0.01
#         [-DFILE=xor_cost.png] -P check_last_line.cmake
if(DEFINED FILE)
  file(REMOVE "${FILE}")
endif()
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${args} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} ${ARGS} exited with ${rc}")
endif()
string(STRIP "${out}" out)
string(REGEX MATCH "[^\n]*$" last "${out}")
if(NOT last MATCHES "${LAST_LINE}")
  message(FATAL_ERROR "the last line '${last}' does not match '${LAST_LINE}'")
endif()
set(value "${CMAKE_MATCH_1}")
if(DEFINED MAX AND NOT (value LESS MAX))
  message(FATAL_ERROR "the last line '${last}' gives ${value}, which is not below ${MAX}")
endif()
if(DEFINED MIN AND NOT (value GREATER MIN))
  message(FATAL_ERROR "the last line '${last}' gives ${value}, which is not above ${MIN}")
endif()
if(DEFINED FILE AND NOT EXISTS "${FILE}")
  message(FATAL_ERROR "${PROGRAM} did not write ${FILE}")
endif()
