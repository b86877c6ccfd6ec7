//! The server's registry of accounts and their devices, keyed by each device's Noise key.
//!
//! Until pairing is implemented, a linked device is added with [`Registry::register_device`]
//! (a registration stub), exactly as pairing will add it: the server recognises a returning
//! device by the Noise static key it proves in the handshake, never by what the client claims.

use std::collections::HashMap;
use std::sync::Mutex;

use wacast::curve::PublicKey;
use wacast::jid::Jid;

/// A device the server knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The device's JID (`user:device@s.whatsapp.net`).
    pub jid: Jid,
    /// Its Noise static key.
    pub noise_key: PublicKey,
}

/// Devices by Noise key, plus new devices that connected to register.
#[derive(Debug, Default)]
pub struct Registry {
    devices: Mutex<HashMap<[u8; 32], DeviceRecord>>,
    pending: Mutex<HashMap<[u8; 32], PendingRegistration>>,
    lids: Mutex<HashMap<String, Jid>>,
}

/// A new device that sent its registration data and waits to be paired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRegistration {
    /// Its Noise static key.
    pub noise_key: PublicKey,
    /// Its Signal identity key.
    pub identity_key: PublicKey,
    /// Its registration id.
    pub registration_id: u32,
}

impl Registry {
    /// Records a linked device.
    pub fn register_device(&self, noise_key: PublicKey, jid: Jid) {
        self.lock_devices()
            .insert(*noise_key.as_bytes(), DeviceRecord { jid, noise_key });
    }

    /// Forgets a device (it was unlinked).
    pub fn remove_device(&self, noise_key: &PublicKey) -> Option<DeviceRecord> {
        self.lock_devices().remove(noise_key.as_bytes())
    }

    /// The device with this Noise key.
    pub fn device(&self, noise_key: &PublicKey) -> Option<DeviceRecord> {
        self.lock_devices().get(noise_key.as_bytes()).cloned()
    }

    /// Every linked device.
    pub fn devices(&self) -> Vec<DeviceRecord> {
        self.lock_devices().values().cloned().collect()
    }

    /// The LID (`…@lid`, no device) of the account with phone number `user`, assigned on
    /// first use: a 15-digit number, like the real ones, unique within this sandbox.
    pub fn lid_of(&self, user: &str) -> Jid {
        let mut lids = self
            .lids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = 100_000_000_000_000u64 + lids.len() as u64 + 1;
        lids.entry(user.to_string())
            .or_insert_with(|| Jid::new(next.to_string(), wacast::jid::Server::Lid))
            .clone()
    }

    /// Records a new device waiting to be paired.
    pub fn add_pending(&self, registration: PendingRegistration) {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(*registration.noise_key.as_bytes(), registration);
    }

    /// New devices waiting to be paired.
    pub fn pending(&self) -> Vec<PendingRegistration> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .cloned()
            .collect()
    }

    fn lock_devices(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], DeviceRecord>> {
        // A panic elsewhere never leaves the map half-updated: every update is one insert.
        self.devices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
