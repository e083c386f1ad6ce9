# Programs and test wiring for the triage command's tests.
#
# cli_pprof_server: a fixed-profile pprof server (TCP and Unix socket)
# for tests/e2e/pprof_fetch.sh; cli_sigcatch: a child that reports the
# signal it got, for tests/e2e/run_forwarding.sh.
foreach(prog cli_pprof_server cli_sigcatch)
  add_executable(${prog} ${CMAKE_CURRENT_LIST_DIR}/${prog}.c)
  set_target_properties(${prog} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${prog} PRIVATE ${TRIAGE_WARNINGS})
endforeach()
target_link_libraries(cli_pprof_server PRIVATE PkgConfig::MHD)

# cli_noop_agent: an empty library to preload in place of the agent.
add_library(cli_noop_agent SHARED ${CMAKE_CURRENT_LIST_DIR}/cli_noop_agent.c)
set_target_properties(cli_noop_agent PROPERTIES
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

# The unit tests and fuzz targets of cli/ code (test_cli_*, fuzz_cli_*)
# compile the sources they test, which need libcurl and cli/ headers.
foreach(t test_cli_flags test_cli_source fuzz_cli_source)
  if(TARGET ${t})
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/cli
      ${CMAKE_SOURCE_DIR}/cli/pprof ${CMAKE_SOURCE_DIR}/cli/run)
    target_link_libraries(${t} PRIVATE PkgConfig::CURL)
  endif()
endforeach()
