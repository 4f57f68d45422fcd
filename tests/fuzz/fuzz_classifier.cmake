# The rule engine: the rules loader (YAML → compiled rules, or an error with file:line:column) and
# classification of any bytes with the default rules.
ekc_add_fuzzer(rules_loader_fuzzer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/rules_loader_fuzzer.cc
               LIBS ekc_router)
ekc_add_fuzzer(classify_fuzzer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/classify_fuzzer.cc LIBS ekc_router)
target_compile_definitions(classify_fuzzer PRIVATE EKC_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
