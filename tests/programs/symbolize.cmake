# The symbolizer's fixture: a shared object of known C and C++ functions
# (symbolize_fixture.*) that test_symbolize and test_proc_maps load with
# dlopen, compiled the way services are: -O2 -g, the C part with frame
# pointers and the C++ part without. And bench_symbolize, the timing of
# symbolization against eu-addr2line (run by hand, never a test).
set(TSYM_FIXTURE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/programs)
add_library(tsym_fixture SHARED ${TSYM_FIXTURE_DIR}/symbolize_fixture.c
  ${TSYM_FIXTURE_DIR}/symbolize_fixture.cc)
set_source_files_properties(${TSYM_FIXTURE_DIR}/symbolize_fixture.c
  PROPERTIES COMPILE_OPTIONS "-O2;-g;-fno-omit-frame-pointer")
set_source_files_properties(${TSYM_FIXTURE_DIR}/symbolize_fixture.cc
  PROPERTIES COMPILE_OPTIONS "-O2;-g;-fomit-frame-pointer")
target_compile_options(tsym_fixture PRIVATE
  $<$<COMPILE_LANGUAGE:C>:${TRIAGE_WARNINGS}>
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wshadow -Werror>)

foreach(t test_symbolize test_proc_maps)
  if(TARGET ${t})
    add_dependencies(${t} tsym_fixture)
    target_include_directories(${t} PRIVATE ${TSYM_FIXTURE_DIR})
    target_compile_definitions(${t} PRIVATE
      TSYM_FIXTURE="$<TARGET_FILE:tsym_fixture>"
      TSYM_FIXTURE_SRC="${TSYM_FIXTURE_DIR}")
  endif()
endforeach()

add_executable(bench_symbolize ${CMAKE_SOURCE_DIR}/bench/symbolize.c)
target_compile_options(bench_symbolize PRIVATE ${TRIAGE_WARNINGS})
target_link_libraries(bench_symbolize PRIVATE triage_static)
