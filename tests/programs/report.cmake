# The -top report (cli/pprof/report*.c) for the tests: compiled once more
# as an object library, linked into the report-top driver that
# tests/e2e/report_vs_go.sh compares with `go tool pprof -top`, and into
# the report unit test.
file(GLOB REPORT_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/cli/pprof/report*.c)
add_library(triage_report OBJECT ${REPORT_SRC})
target_include_directories(triage_report PUBLIC ${CMAKE_SOURCE_DIR}/cli/pprof)
target_compile_options(triage_report PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(triage_report PRIVATE triage_static)

add_executable(report-top ${CMAKE_CURRENT_LIST_DIR}/report_top.c)
set_target_properties(report-top PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(report-top PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(report-top PRIVATE triage_report triage_static m)

if(TARGET test_report)
  target_link_libraries(test_report PRIVATE triage_report)
endif()

add_executable(random-profile ${CMAKE_CURRENT_LIST_DIR}/random_profile.c)
set_target_properties(random-profile PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(random-profile PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(random-profile PRIVATE triage_static)
