# Programs the CPU-profile end-to-end tests run. Built like a production
# service: -O2, no frame pointers, so the unwinder must rely on CFI.
foreach(prog cpu_shares cpu_threads lifecycle freeport)
  add_executable(${prog} ${CMAKE_CURRENT_SOURCE_DIR}/programs/${prog}.c)
  set_target_properties(${prog} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${prog} PRIVATE -O2 -g -fomit-frame-pointer)
  target_link_libraries(${prog} PRIVATE Threads::Threads)
endforeach()

# C++: what pprof must show for demangled names.
add_executable(cpp_burn ${CMAKE_CURRENT_SOURCE_DIR}/programs/cpp_burn.cc)
set_target_properties(cpp_burn PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(cpp_burn PRIVATE -O2 -g -fomit-frame-pointer)
