# Programs the thread-dump end-to-end tests and benchmark run. Built like
# a production service (-O2, no frame pointers): the dump unwinds by CFI.
foreach(prog threads_parked)
  add_executable(${prog} ${CMAKE_CURRENT_SOURCE_DIR}/programs/${prog}.c)
  set_target_properties(${prog} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${prog} PRIVATE -O2 -g -fomit-frame-pointer
    ${TRIAGE_WARNINGS})
  target_link_libraries(${prog} PRIVATE Threads::Threads)
endforeach()
