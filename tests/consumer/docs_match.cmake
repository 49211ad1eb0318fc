# docs/getting-started.md shows tests/consumer's CMakeLists.txt and main.cpp as a user's first
# project: fails when the page's ```cmake and ```cpp blocks drift from the files the tests build.
#   cmake -DDOC=docs/getting-started.md -DCONSUMER=tests/consumer -P docs_match.cmake
file(READ ${DOC} doc)
foreach(pair "cmake:CMakeLists.txt" "cpp:main.cpp")
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 language)
  list(GET pair 1 name)
  file(READ ${CONSUMER}/${name} content)
  string(FIND "${doc}" "```${language}\n${content}```\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${DOC} has no ```${language} block equal to ${CONSUMER}/${name}")
  endif()
  message(STATUS "${DOC} shows ${name} as it is")
endforeach()
