# Installs the build tree at BUILD_DIR into a scratch prefix, builds examples/embed against it with
# find_package(outpools), and runs it. Run by CTest (test embed_example_installed).
set(scratch "${BUILD_DIR}/embed-test")
file(REMOVE_RECURSE "${scratch}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${scratch}/prefix"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/embed" -B "${scratch}/build"
                -G Ninja "-DCMAKE_PREFIX_PATH=${scratch}/prefix" "-DCMAKE_CXX_COMPILER=${CXX}"
                "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
                "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring examples/embed against the installed package failed")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${scratch}/build" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building examples/embed failed")
endif()
execute_process(COMMAND "${scratch}/build/embed" "${SOURCE_DIR}/examples/embed/embed.toml"
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "examples/embed failed (exit ${rc})")
endif()
