# Homebrew formula for poolwatch: builds from the release's source tarball.
# In a tap: copy this file to Formula/poolwatch.rb of a `homebrew-poolwatch` repository,
# set `url` to the release tag's tarball and `sha256` to its checksum
# (`shasum -a 256 poolwatch-X.Y.Z.tar.gz`), then `brew install OWNER/poolwatch/poolwatch`.
# CI checks this file with `ruby -c`.
class Poolwatch < Formula
  desc "Menu-bar, terminal and Prometheus monitor for CLIProxyAPI account pools"
  homepage "https://github.com/poolwatch/poolwatch"
  url "https://github.com/poolwatch/poolwatch/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"
  head "https://github.com/poolwatch/poolwatch.git", branch: "main"

  depends_on "rust" => :build

  def install
    system "cargo", "install", *std_cargo_args
    generate_completions_from_executable(bin/"poolwatch", "completions")
    (man1/"poolwatch.1").write Utils.safe_popen_read(bin/"poolwatch", "man")
    pkgshare.install "plugin/poolwatch.1m.sh"
    pkgshare.install "contrib"
  end

  def caveats
    <<~EOS
      Connect a pool, then install the SwiftBar/xbar plugin:
        poolwatch config init --pool-url http://127.0.0.1:8317
        poolwatch config set-key
        poolwatch install-plugin
      Prometheus rules and a Grafana dashboard are in:
        #{opt_pkgshare}/contrib
    EOS
  end

  test do
    output = shell_output("#{bin}/poolwatch --demo status --no-color")
    assert_match "demo pool", output
    assert_match "poolwatch_pool_remaining_plus_percent", shell_output("#{bin}/poolwatch --demo metrics")
  end
end
