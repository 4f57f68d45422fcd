# Tests of the classifier: text, normalisation and morphology, the rules language, the default rules.
target_sources(router_tests PRIVATE classifier_test.cc classifier_engine_test.cc default_rules_test.cc
                                    text_test.cc)
