# Tests of the classifier.
target_sources(router_tests PRIVATE classifier_test.cc default_rules_test.cc text_test.cc)
