# The unwinder's test support and benchmark (agent/unwind*.c).
#
# test_unwind links a call chain compiled without frame pointers, so
# that only the CFI can unwind it, and loads a shared object built the
# same way after tunw_init(). Its symbols are exported so that dladdr()
# names the frames. The benchmark bench/unwind_cost is built with
# everything else but is no test: run build/bench/unwind_cost by hand.

set(UWT_NOFP_FLAGS -O2 -fomit-frame-pointer -fno-optimize-sibling-calls)

add_library(uwt_chain OBJECT ${CMAKE_CURRENT_SOURCE_DIR}/programs/unwind_chain.c)
target_compile_options(uwt_chain PRIVATE ${TRIAGE_WARNINGS} ${UWT_NOFP_FLAGS})

add_library(uwt_dlib SHARED ${CMAKE_CURRENT_SOURCE_DIR}/programs/unwind_dlib.c)
target_include_directories(uwt_dlib PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/programs)
target_compile_options(uwt_dlib PRIVATE ${TRIAGE_WARNINGS} ${UWT_NOFP_FLAGS}
  -fvisibility=hidden)
set_target_properties(uwt_dlib PROPERTIES
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)

if(TARGET test_unwind)
  target_sources(test_unwind PRIVATE $<TARGET_OBJECTS:uwt_chain>)
  target_include_directories(test_unwind PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/programs)
  target_compile_definitions(test_unwind PRIVATE
    UWT_DLIB_PATH="$<TARGET_FILE:uwt_dlib>")
  target_link_libraries(test_unwind PRIVATE PkgConfig::UNWIND)
  set_target_properties(test_unwind PROPERTIES ENABLE_EXPORTS ON)
  add_dependencies(test_unwind uwt_dlib)
endif()

add_executable(unwind_cost ${CMAKE_SOURCE_DIR}/bench/unwind_cost/unwind_cost.c)
set_target_properties(unwind_cost PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
target_compile_options(unwind_cost PRIVATE ${TRIAGE_WARNINGS}
  -Wno-missing-prototypes ${UWT_NOFP_FLAGS})
target_link_libraries(unwind_cost PRIVATE triage_static PkgConfig::UNWIND m)
