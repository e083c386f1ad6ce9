# Programs the heap profile tests run, built as services are: -O2, no
# frame pointers. heap_keep keeps known bytes from known functions (C
# and C++); heap_stress allocates and frees from many threads.
add_executable(heap_keep ${CMAKE_CURRENT_LIST_DIR}/heap_keep.c
  ${CMAKE_CURRENT_LIST_DIR}/heap_keep_cxx.cc)
add_executable(heap_stress ${CMAKE_CURRENT_LIST_DIR}/heap_stress.c)
foreach(prog heap_keep heap_stress)
  set_target_properties(${prog} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${prog} PRIVATE -O2 -g -fomit-frame-pointer
    $<$<COMPILE_LANGUAGE:C>:${TRIAGE_WARNINGS}>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror -std=c++17>)
  target_link_libraries(${prog} PRIVATE Threads::Threads)
endforeach()
