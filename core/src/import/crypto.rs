//! The key derivations and the cipher of encrypted exports (Aegis: scrypt + AES-256-GCM; 2FAS:
//! PBKDF2-HMAC-SHA256 + AES-256-GCM), from RustCrypto crates.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::Zeroizing;

use super::ImportError;

/// Largest scrypt memory accepted from a file (Aegis writes N = 2^15, r = 8: 32 MiB), and largest
/// work (memory times p). A file asking for more is refused rather than allowed to exhaust memory
/// (in the browser a failed allocation ends the WASM instance) or time.
const MAX_SCRYPT_BYTES: u64 = 64 * 1024 * 1024;
const MAX_SCRYPT_WORK: u64 = 128 * 1024 * 1024;

/// AES-256-GCM with a 12-byte nonce; `data` is the ciphertext followed by the 16-byte tag.
/// `None` when the tag does not verify (wrong key, or damaged data).
pub(crate) fn aes_gcm_open(key: &[u8], nonce: &[u8], data: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>, ImportError> {
    if key.len() != 32 {
        return Err(ImportError::invalid("bad_encryption", format!("key of {} bytes (32 expected)", key.len())));
    }
    if nonce.len() != 12 {
        return Err(ImportError::invalid("bad_encryption", format!("nonce of {} bytes (12 expected)", nonce.len())));
    }
    if data.len() < 16 {
        return Err(ImportError::invalid("bad_encryption", "the encrypted data is shorter than its tag"));
    }
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| ImportError::invalid("bad_encryption", "bad key length"))?;
    let nonce = Nonce::try_from(nonce).map_err(|_| ImportError::invalid("bad_encryption", "bad nonce length"))?;
    Ok(cipher.decrypt(&nonce, data).ok().map(Zeroizing::new))
}

/// scrypt with the file's parameters, bounded.
pub(crate) fn scrypt_key(password: &str, salt: &[u8], n: u64, r: u32, p: u32) -> Result<Zeroizing<[u8; 32]>, ImportError> {
    let bad = |why: String| ImportError::invalid("bad_encryption", why);
    if n < 2 || !n.is_power_of_two() {
        return Err(bad(format!("scrypt n = {n} is not a power of two")));
    }
    if r == 0 || p == 0 || p > 16 {
        return Err(bad(format!("scrypt r = {r}, p = {p} are not supported")));
    }
    let memory = 128u64.saturating_mul(r as u64).saturating_mul(n);
    if memory > MAX_SCRYPT_BYTES || memory.saturating_mul(p as u64) > MAX_SCRYPT_WORK {
        return Err(bad(format!("scrypt parameters ask for {} MiB of memory", memory / (1024 * 1024))));
    }
    let params = scrypt::Params::new(n.trailing_zeros() as u8, r, p).map_err(|_| bad("scrypt parameters refused".to_owned()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password.as_bytes(), salt, &params, out.as_mut()).map_err(|_| bad("scrypt failed".to_owned()))?;
    Ok(out)
}

/// PBKDF2-HMAC-SHA256, 32 bytes.
pub(crate) fn pbkdf2_sha256(password: &str, salt: &[u8], rounds: u32) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt, rounds, out.as_mut());
    out
}

/// Encryption, for the tests' own round trips only (the independent encoders are in the tests).
#[cfg(test)]
pub(crate) fn aes_gcm_seal(key: &[u8], nonce: &[u8], plain: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key).unwrap();
    cipher.encrypt(&Nonce::try_from(nonce).unwrap(), plain).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcm_opens_what_it_sealed_and_refuses_a_flipped_bit() {
        let key = [7u8; 32];
        let nonce = [1u8; 12];
        let mut sealed = aes_gcm_seal(&key, &nonce, b"hello");
        assert_eq!(aes_gcm_open(&key, &nonce, &sealed).unwrap().unwrap().as_slice(), b"hello");
        sealed[0] ^= 1;
        assert_eq!(aes_gcm_open(&key, &nonce, &sealed).unwrap(), None);
        assert!(aes_gcm_open(&key, &nonce[..8], &sealed).is_err());
        assert!(aes_gcm_open(&key, &nonce, &sealed[..8]).is_err());
    }

    #[test]
    fn scrypt_refuses_absurd_parameters() {
        assert!(scrypt_key("pw", b"salt", 3, 8, 1).is_err());
        assert!(scrypt_key("pw", b"salt", 1 << 30, 8, 1).is_err());
        assert!(scrypt_key("pw", b"salt", 1 << 10, 0, 1).is_err());
        assert!(scrypt_key("pw", b"salt", 1 << 17, 8, 1).is_err());
        assert!(scrypt_key("pw", b"salt", 1 << 15, 8, 16).is_err());
        // RFC 7914 test vector 2 ("password", "NaCl", N=1024, r=8, p=16), first 32 bytes.
        let k = scrypt_key("password", b"NaCl", 1024, 8, 16).unwrap();
        assert_eq!(hex::encode(k.as_ref()), "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162");
    }

    #[test]
    fn pbkdf2_matches_a_known_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1), first 32 bytes.
        let k = pbkdf2_sha256("passwd", b"salt", 1);
        assert_eq!(hex::encode(k.as_ref()), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    }
}
