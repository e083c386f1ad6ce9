# span_service: the spans the OTLP tests check at a receiver
# (tests/e2e/otlp_*.sh). It links libtriage as an instrumented service
# would, and libmicrohttpd and libcurl for its two hops.
add_executable(span_service ${CMAKE_CURRENT_LIST_DIR}/span_service.c)
set_target_properties(span_service PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(span_service PRIVATE ${TRIAGE_WARNINGS})
target_include_directories(span_service PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(span_service PRIVATE triage PkgConfig::MHD
  PkgConfig::CURL Threads::Threads)
