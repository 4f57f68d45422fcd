// gRPC over TLS on the real ekcd: a client that trusts the CA is served, a plain-text client is
// not; with a client CA (mutual TLS) a client without a certificate the CA signed is turned away.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace ekc::testing {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A CA, a server certificate for 127.0.0.1, and a client certificate, all from the CA.
    const std::string script = R"(set -e
cd ")" + Dir() + R"("
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -subj /CN=ekc-test-ca -days 2 -out ca.crt
for who in server client; do
  key $who.key
  openssl req -new -key $who.key -subj /CN=$who -out $who.csr
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > $who.ext
  openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile $who.ext -out $who.crt 2>/dev/null
done
)";
    RunResult r = RunProgram({"/bin/sh", "-c", script});
    ASSERT_EQ(r.exit_status, 0) << r.output;
  }

  std::string Dir() const { return dir_.path().string(); }

  // The default config with its rules by absolute path and a tls: section.
  std::string Config(bool mutual) {
    std::ifstream in(std::string(EKC_SOURCE_DIR) + "/deploy/ekcd.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    const std::string rules = "rules: rules/default.yaml";
    config.replace(config.find(rules), rules.size(),
                   "rules: " + std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml");
    config += "\ntls:\n  cert: " + Dir() + "/server.crt\n  key: " + Dir() + "/server.key\n";
    if (mutual) config += "  client_ca: " + Dir() + "/ca.crt\n";
    const std::string path = Dir() + (mutual ? "/mtls.yaml" : "/tls.yaml");
    std::ofstream(path) << config;
    return path;
  }

  RunResult Info(const std::string& address, const std::vector<std::string>& tls) {
    std::vector<std::string> args = {EKCCTL_PATH, "--target", address, "--timeout-s", "3"};
    args.insert(args.end(), tls.begin(), tls.end());
    args.push_back("info");
    return RunProgram(args);
  }

  TempDir dir_;
};

TEST_F(TlsTest, ServerCertificate_ServesClientsThatTrustItsCaOnly) {
  EkcdProcess ekcd({.data_dir = Dir() + "/data", .config = Config(false)});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  RunResult trusted = Info(ekcd.address(), {"--tls-ca", Dir() + "/ca.crt"});
  EXPECT_EQ(trusted.exit_status, 0) << trusted.output;
  RunResult plain = Info(ekcd.address(), {});
  EXPECT_NE(plain.exit_status, 0) << plain.output;
  RunResult wrong_ca = Info(ekcd.address(), {"--tls-ca", Dir() + "/client.crt"});
  EXPECT_NE(wrong_ca.exit_status, 0) << wrong_ca.output;
}

TEST_F(TlsTest, ClientCa_RequiresAClientCertificateTheCaSigned) {
  EkcdProcess ekcd({.data_dir = Dir() + "/data", .config = Config(true)});
  ASSERT_TRUE(ekcd.Start()) << ekcd.error();
  RunResult without = Info(ekcd.address(), {"--tls-ca", Dir() + "/ca.crt"});
  EXPECT_NE(without.exit_status, 0) << without.output;
  RunResult with =
      Info(ekcd.address(), {"--tls-ca", Dir() + "/ca.crt", "--tls-cert", Dir() + "/client.crt",
                            "--tls-key", Dir() + "/client.key"});
  EXPECT_EQ(with.exit_status, 0) << with.output;
}

TEST_F(TlsTest, CheckConfig_NamesAMissingCertificate) {
  const std::string config = Config(false);
  std::filesystem::remove(Dir() + "/server.crt");
  RunResult r = RunEkcd({"--config", config, "--check-config"});
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_NE(r.output.find(Dir() + "/server.crt: cannot open the TLS certificate"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace ekc::testing
