# Installs the headers, the library and a CMake package config so that find_package(outpools) works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY include/outpools DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS outpools outpools_config outpools_core outpools_rdbms outpools_status outpools_warnings EXPORT outpools-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET outpools_cli)
  install(TARGETS outpools_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT outpools-targets NAMESPACE outpools::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outpools)
configure_package_config_file(cmake/outpools-config.cmake.in
        ${CMAKE_CURRENT_BINARY_DIR}/outpools-config.cmake
        INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outpools)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/outpools-config-version.cmake
        COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/outpools-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/outpools-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/outpools)

# The embedding example, built out of tree against the installed package and run.
if(OUTPOOLS_BUILD_EXAMPLES AND OUTPOOLS_BUILD_TESTS)
  add_test(NAME embed_example_installed
           COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                   -DCXX=${CMAKE_CXX_COMPILER} "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
                   "-DLINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}" -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
                   -P ${PROJECT_SOURCE_DIR}/examples/embed/test-installed.cmake)
  set_tests_properties(embed_example_installed PROPERTIES LABELS integration TIMEOUT 900)
endif()
