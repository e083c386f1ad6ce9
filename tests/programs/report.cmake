# The reports (cli/pprof/report*.c, flame*.c) for the tests: compiled
# once more as an object library, linked into the report unit test and
# the report fuzz target. tests/e2e/report_vs_go.sh runs the triage
# command itself against `go tool pprof`.
file(GLOB REPORT_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/cli/pprof/report*.c
  ${CMAKE_SOURCE_DIR}/cli/pprof/flame*.c)
add_library(triage_report OBJECT ${REPORT_SRC})
target_include_directories(triage_report PUBLIC ${CMAKE_SOURCE_DIR}/cli/pprof)
target_compile_options(triage_report PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(triage_report PRIVATE triage_static)

foreach(t test_report fuzz_report)
  if(TARGET ${t})
    target_link_libraries(${t} PRIVATE triage_report m)
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/cli/pprof)
  endif()
endforeach()

add_executable(random-profile ${CMAKE_CURRENT_LIST_DIR}/random_profile.c)
set_target_properties(random-profile PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(random-profile PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(random-profile PRIVATE triage_static)

# pty_drive: types into a program on a pseudo-terminal, for the test of
# the pprof shell (tests/e2e/pprof_shell.sh).
add_executable(pty_drive ${CMAKE_CURRENT_LIST_DIR}/pty_drive.c)
set_target_properties(pty_drive PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(pty_drive PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(pty_drive PRIVATE util)
