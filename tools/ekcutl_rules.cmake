# ekcutl rules: check, explain and test a rules file offline (docs/rules.md).
target_sources(ekcutl PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/ekcutl/rules_commands.cc)
