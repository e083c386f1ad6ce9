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

# The unit tests and fuzz targets of cli/ code compile the sources they
# test (the command is not a library), with its headers and libcurl.
set(CLI_FLAGS_SRC ${CMAKE_SOURCE_DIR}/cli/flags.c
  ${CMAKE_SOURCE_DIR}/cli/run/listen.c)
set(CLI_SOURCE_SRC ${CMAKE_SOURCE_DIR}/cli/pprof/url.c
  ${CMAKE_SOURCE_DIR}/cli/pprof/source.c ${CMAKE_SOURCE_DIR}/cli/agent_socket.c
  ${CMAKE_SOURCE_DIR}/cli/run/listen.c)
foreach(kind test fuzz)
  foreach(what flags source)
    set(t ${kind}_cli_${what})
    if(TARGET ${t})
      string(TOUPPER ${what} upper)
      target_sources(${t} PRIVATE ${CLI_${upper}_SRC})
      target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/cli
        ${CMAKE_SOURCE_DIR}/cli/pprof ${CMAKE_SOURCE_DIR}/cli/run)
      target_link_libraries(${t} PRIVATE PkgConfig::CURL)
    endif()
  endforeach()
endforeach()
