package io.berth.node.sumdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Signed notes and verifier keys, checked against the example published with the note format. */
class SignedNoteTest {
  static final String VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  static final String TEXT =
      "If you think cryptography is the answer to your problem,\n"
          + "then you don't know what your problem is.\n";
  static final String SIG =
      "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  static byte[] note(String text, String sigs) {
    return (text + "\n" + sigs).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void verifiesThePublishedExample() {
    VerifierKey key = VerifierKey.parse(VKEY);
    assertThat(key.name()).isEqualTo("PeterNeumann");
    assertThat(key.hash()).isEqualTo(0xc74f20a3);
    assertThat(SignedNote.open(note(TEXT, SIG), key))
        .isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void ignoresSignaturesByOtherKeysButNeedsOneByTheKey() {
    VerifierKey key = VerifierKey.parse(VKEY);
    String other =
        "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
    assertThat(SignedNote.open(note(TEXT, other + SIG), key)).isNotEmpty();
    assertThatThrownBy(() -> SignedNote.open(note(TEXT, other), key))
        .hasMessageContaining("not signed by PeterNeumann");
  }

  @Test
  void rejectsTamperedOrMalformedNotes() {
    VerifierKey key = VerifierKey.parse(VKEY);
    assertThatThrownBy(() -> SignedNote.open(note(TEXT.replace("answer", "answers"), SIG), key))
        .hasMessageContaining("invalid signature");
    assertThatThrownBy(() -> SignedNote.open(TEXT.getBytes(StandardCharsets.UTF_8), key))
        .hasMessageContaining("no signature block");
    assertThatThrownBy(() -> SignedNote.open(note(TEXT, SIG.replace("\u2014", "-")), key))
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> SignedNote.open(note(TEXT, SIG.trim()), key))
        .hasMessageContaining("newline");
    assertThatThrownBy(() -> SignedNote.open(note("a\tb\n", SIG), key))
        .hasMessageContaining("control character");
  }

  @Test
  void rejectsBadVerifierKeys() {
    assertThatThrownBy(
            () ->
                VerifierKey.parse(
                    "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))
        .hasMessageContaining("hash does not match");
    assertThatThrownBy(() -> VerifierKey.parse("PeterNeumann+c74f20a3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VerifierKey.parse("Peter Neumann+c74f20a3+ARpc"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VerifierKey.parse("PeterNeumann+c74f20a3+AhpjZA=="))
        .hasMessageContaining("Ed25519");
    // the default sum.golang.org key parses
    assertThat(
            VerifierKey.parse(
                    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
                .hash())
        .isEqualTo(0x033de0ae);
  }

  @Test
  void parsesTreeHeads() {
    TreeHead t =
        TreeHead.parse(
            "go.sum database tree\n2\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\nextra\n"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.hash()).hasSize(32);
    for (String bad :
        new String[] {
          "go.sum database tree\n02\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n",
          "go.sum database tree\n-1\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n",
          "go.sum database tree\n2\nnND/nri\n",
          "go.sum database tree v2\n2\nnND/nri/U0xuHUrYSy0HtMeal2vzD9V4k/BO79C+QeI=\n",
          "go.sum database tree\n2\n",
        }) {
      assertThatThrownBy(() -> TreeHead.parse(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void parsesLookupResponses() {
    byte[] msg =
        ("7\nexample.com/m v1.0.0 h1:abc=\nexample.com/m v1.0.0/go.mod h1:def=\n\n"
                + TEXT
                + "\n"
                + SIG)
            .getBytes(StandardCharsets.UTF_8);
    LookupResponse r = LookupResponse.parse(msg);
    assertThat(r.id()).isEqualTo(7);
    assertThat(r.hashFor("example.com/m", "v1.0.0")).isEqualTo("h1:abc=");
    assertThat(r.hashFor("example.com/m", "v1.0.0/go.mod")).isEqualTo("h1:def=");
    assertThat(r.hashFor("example.com/m", "v1.0.1")).isNull();
    assertThat(SignedNote.open(r.signedTree(), VerifierKey.parse(VKEY))).isNotEmpty();
    assertThatThrownBy(() -> LookupResponse.parse("x\nfoo\n\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LookupResponse.parse("7\nfoo\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
