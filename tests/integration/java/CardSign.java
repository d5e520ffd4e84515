// CardSign: what an e-prescription application on the JVM does with a card.
// Loads the carecard module through SunPKCS11, opens the PKCS11 key store
// with the passcode, lists its private-key entries, and signs with the
// entry ALIAS using SHA256withRSA and RSASSA-PSS (SHA-256, MGF1, salt 32),
// or SHA256withECDSA for an EC key. Each signature is verified with the
// JDK's own software providers against the entry's certificate.
//
// usage: java CardSign PKCS11-CONFIG PIN ALIAS
// prints one line per check: "ok <what>" or "FAIL <what>"; exit 1 on any FAIL.
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Collections;

public class CardSign {
	private static boolean failed = false;

	private static void check(boolean ok, String what) {
		System.out.println((ok ? "ok " : "FAIL ") + what);
		failed |= !ok;
	}

	private static boolean signAndVerify(Provider card, String alg, PSSParameterSpec pss,
					     PrivateKey key, X509Certificate cert) throws Exception {
		byte[] data = "Prescription: 14 x nitrofurantoin 50 mg".getBytes(StandardCharsets.UTF_8);
		Signature s = Signature.getInstance(alg, card);
		if (pss != null)
			s.setParameter(pss);
		s.initSign(key);
		// Two updates: the module must support multi-part signing.
		s.update(data, 0, 10);
		s.update(data, 10, data.length - 10);
		byte[] sig = s.sign();

		Signature v = Signature.getInstance(alg);	// a software provider
		if (pss != null)
			v.setParameter(pss);
		v.initVerify(cert.getPublicKey());
		v.update(data);
		return v.verify(sig);
	}

	public static void main(String[] args) throws Exception {
		Provider card = Security.getProvider("SunPKCS11").configure(args[0]);
		Security.addProvider(card);
		KeyStore ks = KeyStore.getInstance("PKCS11", card);
		ks.load(null, args[1].toCharArray());

		int keys = 0;
		for (String a : Collections.list(ks.aliases())) {
			if (ks.isKeyEntry(a)) {
				keys++;
				System.out.println("# key entry: " + a);
			}
		}
		check(keys == 2, "two private-key entries (found " + keys + ")");

		PrivateKey key = (PrivateKey) ks.getKey(args[2], null);
		X509Certificate cert = (X509Certificate) ks.getCertificate(args[2]);
		check(key != null && cert != null, "entry " + args[2] + " has a key and a certificate");
		if (key == null || cert == null)
			System.exit(1);

		if (key.getAlgorithm().equals("RSA")) {
			check(signAndVerify(card, "SHA256withRSA", null, key, cert), "SHA256withRSA verifies");
			PSSParameterSpec pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
			check(signAndVerify(card, "RSASSA-PSS", pss, key, cert), "RSASSA-PSS verifies");
		} else {
			check(signAndVerify(card, "SHA256withECDSA", null, key, cert), "SHA256withECDSA verifies");
		}
		System.exit(failed ? 1 : 0);
	}
}
