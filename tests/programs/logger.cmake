# log_writer: the logger's end-to-end tests (tests/e2e/logger_*.sh).
# Linked statically: its span case sets the thread's span through the
# internal seam that spans use.
add_executable(log_writer ${CMAKE_CURRENT_LIST_DIR}/log_writer.c)
set_target_properties(log_writer PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(log_writer PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(log_writer PRIVATE triage_static Threads::Threads)
