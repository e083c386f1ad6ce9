# Programs the contention-profile end-to-end tests run, built like
# services: -O2, no frame pointers. contention_fight makes waits of known
# length; contention_cxx is a C++ work queue on std::mutex,
# std::condition_variable and std::shared_mutex.
add_executable(contention_fight ${CMAKE_CURRENT_SOURCE_DIR}/programs/contention_fight.c)
add_executable(contention_cxx ${CMAKE_CURRENT_SOURCE_DIR}/programs/contention_cxx.cc)
foreach(prog contention_fight contention_cxx)
  set_target_properties(${prog} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${prog} PRIVATE -O2 -g -fomit-frame-pointer)
  target_link_libraries(${prog} PRIVATE Threads::Threads)
endforeach()
target_compile_options(contention_fight PRIVATE ${TRIAGE_WARNINGS})
target_compile_options(contention_cxx PRIVATE -Wall -Wextra -Wshadow -Werror)
set_target_properties(contention_cxx PROPERTIES CXX_STANDARD 17)

# A preloaded library that locks in its constructor.
add_library(contention_early SHARED
  ${CMAKE_CURRENT_SOURCE_DIR}/programs/contention_early.c)
set_target_properties(contention_early PROPERTIES
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(contention_early PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(contention_early PRIVATE Threads::Threads)
