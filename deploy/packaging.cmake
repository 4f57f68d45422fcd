# The Debian package (CPack DEB): ekcd, ekcctl, ekcutl (and the load tool when built), the systemd
# unit and user, the default config and rules in /etc/ekc (conffiles, kept on upgrade), the docs.
# State lives in /var/lib/ekc, made by systemd's StateDirectory= for the user ekc.
#
#   cmake --build --preset default && (cd build && cpack -G DEB)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/ekcd.yaml DESTINATION /etc/ekc)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/rules/ DESTINATION /etc/ekc/rules
        FILES_MATCHING PATTERN "*.yaml")
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/ekcd.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/ekc.sysusers DESTINATION lib/sysusers.d
        RENAME ekc.conf)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/ekc FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/ekc)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ekc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "ekc developers <ekc@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "contact router of a social-services contact centre (ЕКЦ → Семейные МФЦ)")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
