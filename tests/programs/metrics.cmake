# Programs of the metrics tests. metrics_service links libtriage as a
# shared library, as an instrumented service would.
add_executable(metrics_service ${CMAKE_CURRENT_LIST_DIR}/metrics_service.c)
set_target_properties(metrics_service PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
target_compile_options(metrics_service PRIVATE ${TRIAGE_WARNINGS})
target_include_directories(metrics_service PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(metrics_service PRIVATE triage PkgConfig::MHD)
