# `cmake --install` gives a tree that other projects use with
# find_package(fraudscore) and target fraudscore::fraudscore.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS fraudscore EXPORT fraudscoreTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY core/include/fraudscore DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET fraudscore_cli)
  install(TARGETS fraudscore_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT fraudscoreTargets NAMESPACE fraudscore:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fraudscore)
configure_package_config_file(cmake/fraudscoreConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fraudscoreConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fraudscore)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fraudscoreConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fraudscoreConfig.cmake ${PROJECT_BINARY_DIR}/fraudscoreConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fraudscore)
