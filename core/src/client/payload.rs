//! The `ClientPayload` sent inside the Noise ClientFinish: registration for a new device, login
//! for a linked one.

use md5::{Digest, Md5};
use prost::Message;

use super::credentials::Credentials;
use crate::proto::wa::client_payload::user_agent::{AppVersion, Platform, ReleaseChannel};
use crate::proto::wa::client_payload::web_info::WebSubPlatform;
use crate::proto::wa::client_payload::{
    ConnectReason, ConnectType, DevicePairingRegistrationData, UserAgent, WebInfo,
};
use crate::proto::wa::device_props::PlatformType;
use crate::proto::wa::{ClientPayload, DeviceProps};

/// How this client presents itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The WhatsApp Web version to announce. The server refuses outdated versions with 405.
    pub version: [u32; 3],
    /// The OS name shown in the phone's linked-devices list.
    pub os: String,
    /// The platform shown in the linked-devices list.
    pub platform: PlatformType,
}

impl Default for ClientIdentity {
    fn default() -> Self {
        ClientIdentity {
            version: [2, 3000, 1_027_934_701],
            os: "wacast".to_string(),
            platform: PlatformType::Desktop,
        }
    }
}

impl ClientIdentity {
    fn user_agent(&self) -> UserAgent {
        UserAgent {
            platform: Some(Platform::Web as i32),
            app_version: Some(AppVersion {
                primary: Some(self.version[0]),
                secondary: Some(self.version[1]),
                tertiary: Some(self.version[2]),
                ..Default::default()
            }),
            mcc: Some("000".into()),
            mnc: Some("000".into()),
            os_version: Some("0.1".into()),
            manufacturer: Some(String::new()),
            device: Some("Desktop".into()),
            os_build_number: Some("0.1".into()),
            release_channel: Some(ReleaseChannel::Release as i32),
            locale_language_iso_639_1: Some("en".into()),
            locale_country_iso_3166_1_alpha_2: Some("US".into()),
            ..Default::default()
        }
    }

    fn base(&self) -> ClientPayload {
        ClientPayload {
            user_agent: Some(self.user_agent()),
            web_info: Some(WebInfo {
                web_sub_platform: Some(WebSubPlatform::WebBrowser as i32),
                ..Default::default()
            }),
            connect_type: Some(ConnectType::WifiUnknown as i32),
            connect_reason: Some(ConnectReason::UserActivated as i32),
            ..Default::default()
        }
    }

    /// The payload for `credentials`: login when it has a JID, registration otherwise.
    pub fn payload(&self, credentials: &Credentials) -> ClientPayload {
        match &credentials.jid {
            Some(jid) => ClientPayload {
                username: jid.user.parse().ok(),
                device: Some(u32::from(jid.device)),
                passive: Some(true),
                pull: Some(true),
                ..self.base()
            },
            None => ClientPayload {
                passive: Some(false),
                pull: Some(false),
                device_pairing_data: Some(self.registration(credentials)),
                ..self.base()
            },
        }
    }

    fn registration(&self, credentials: &Credentials) -> DevicePairingRegistrationData {
        let version = format!(
            "{}.{}.{}",
            self.version[0], self.version[1], self.version[2]
        );
        let props = DeviceProps {
            os: Some(self.os.clone()),
            version: Some(crate::proto::wa::device_props::AppVersion {
                primary: Some(0),
                secondary: Some(1),
                tertiary: Some(0),
                ..Default::default()
            }),
            platform_type: Some(self.platform as i32),
            require_full_sync: Some(false),
            ..Default::default()
        };
        let prekey_id = credentials.signed_prekey.id.to_be_bytes();
        DevicePairingRegistrationData {
            e_regid: Some(credentials.registration_id.to_be_bytes().to_vec()),
            e_keytype: Some(vec![crate::curve::DJB_TYPE]),
            e_ident: Some(credentials.identity_key.public.as_bytes().to_vec()),
            e_skey_id: Some(prekey_id[1..].to_vec()),
            e_skey_val: Some(
                credentials
                    .signed_prekey
                    .key_pair
                    .public
                    .as_bytes()
                    .to_vec(),
            ),
            e_skey_sig: Some(credentials.signed_prekey.signature.to_vec()),
            build_hash: Some(Md5::digest(version.as_bytes()).to_vec()),
            device_props: Some(props.encode_to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jid::Jid;

    #[test]
    fn registration_and_login_payloads() {
        let identity = ClientIdentity::default();
        let mut credentials = Credentials::generate();
        let registration = identity.payload(&credentials);
        let data = registration.device_pairing_data.unwrap();
        assert_eq!(data.e_keytype, Some(vec![5]));
        assert_eq!(data.e_skey_id.as_deref(), Some(&[0, 0, 1][..]));
        assert_eq!(data.e_regid.unwrap().len(), 4);
        assert!(credentials.identity_key.public.verify(
            &credentials.signed_prekey.key_pair.public.serialize(),
            &data.e_skey_sig.unwrap()
        ));
        credentials.jid = Some(Jid::user_jid("15551234567").with_device(7));
        let login = identity.payload(&credentials);
        assert_eq!(login.username, Some(15_551_234_567));
        assert_eq!(login.device, Some(7));
        assert!(login.device_pairing_data.is_none());
    }
}
