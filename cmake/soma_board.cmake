# The optional `board` layer: `soma board`, the live training dashboard (docs/board.md). Built
# when cpp-httplib (Debian's libcpp-httplib-dev, header-only) and uPlot (npm package uplot,
# which scripts/install-deps.sh installs into third_party/npm) are there. The page's files and
# uPlot's dist files are compiled into the library (cmake/embed_files.cmake): no CDN, no network.
option(SOMA_WITH_BOARD "Build the dashboard layer (cpp-httplib, uPlot) when they are found" ON)
set(SOMA_UPLOT_DIST ${PROJECT_SOURCE_DIR}/third_party/npm/node_modules/uplot/dist)
if(SOMA_WITH_BOARD)
  # Debian's cpp-httplib is compiled (libcpp-httplib.so), not header-only: pkg-config finds both.
  pkg_check_modules(HTTPLIB IMPORTED_TARGET cpp-httplib)
  find_package(Threads REQUIRED)
endif()
if(SOMA_WITH_BOARD AND HTTPLIB_FOUND AND EXISTS ${SOMA_UPLOT_DIST}/uPlot.iife.min.js)
  soma_add_layer(board)
  set(page ${PROJECT_SOURCE_DIR}/src/board/page)
  set(files /=${page}/index.html /board.js=${page}/board.js /board.css=${page}/board.css
            /uPlot.iife.min.js=${SOMA_UPLOT_DIST}/uPlot.iife.min.js /uPlot.min.css=${SOMA_UPLOT_DIST}/uPlot.min.css)
  set(paths ${files})
  list(TRANSFORM paths REPLACE "^[^=]*=" "")
  string(REPLACE ";" "|" files "${files}")
  add_custom_command(OUTPUT board_files.cpp
    COMMAND ${CMAKE_COMMAND} "-DFILES=${files}" -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/board_files.cpp
            -DNAMESPACE=soma::board::detail -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${paths} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding the dashboard's page and uPlot" VERBATIM)
  target_sources(soma_board PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/board_files.cpp)
  target_link_libraries(soma_board PUBLIC nlohmann_json::nlohmann_json PRIVATE PkgConfig::HTTPLIB Threads::Threads)
  message(STATUS "soma: cpp-httplib and uPlot found, building soma_board")
elseif(NOT SOMA_WITH_BOARD)
  message(STATUS "soma: no soma_board (SOMA_WITH_BOARD=OFF)")
else()
  message(STATUS "soma: no soma_board (needs libcpp-httplib-dev and the npm package uplot: scripts/install-deps.sh; "
                 "or SOMA_WITH_BOARD=OFF)")
endif()
