# `triage logs` in the tests: logs_gen writes the large log of
# tests/e2e/logs_memory.sh; the unit tests and the fuzz target of the
# line scanner compile cli/logs/ (all but the command's own logs.c).
add_executable(logs_gen ${CMAKE_CURRENT_LIST_DIR}/logs_gen.c)
set_target_properties(logs_gen PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(logs_gen PRIVATE ${TRIAGE_WARNINGS} -O2)

file(GLOB LOGS_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/cli/logs/*.c)
list(REMOVE_ITEM LOGS_SRC ${CMAKE_SOURCE_DIR}/cli/logs/logs.c)
foreach(t test_logs_line test_logs_merge fuzz_logs_line)
  if(TARGET ${t})
    target_sources(${t} PRIVATE ${LOGS_SRC})
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/cli/logs)
  endif()
endforeach()
