//! The user's settings (language, theme, text size, idle delay, last store opened) and where the
//! application keeps its files. The settings file holds no personal data: a path and choices.

use super::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    pub theme: Theme,
    /// Zoom of the whole interface (1.0 = normal).
    pub text_scale: f32,
    /// Minutes without input before the window locks.
    pub idle_minutes: u32,
    /// The store opened last, offered at start.
    pub last_store: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::Fr,
            theme: Theme::Light,
            text_scale: 1.0,
            idle_minutes: 10,
            last_store: None,
        }
    }
}

/// Where the application keeps its settings and, by default, its stores.
#[derive(Clone, Debug)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
}

impl Dirs {
    /// The user's directories: `REPRISE_HOME` if set (both in it), else the XDG directories
    /// (`~/.config/reprise`, `~/.local/share/reprise`), or `%APPDATA%\Reprise` on Windows.
    pub fn from_env() -> Dirs {
        if let Some(h) = std::env::var_os("REPRISE_HOME").filter(|h| !h.is_empty()) {
            return Dirs::under(Path::new(&h));
        }
        if let Some(a) = std::env::var_os("APPDATA").filter(|h| !h.is_empty()) {
            return Dirs::under(&Path::new(&a).join("Reprise"));
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"))
            .join("reprise");
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".local/share"))
            .join("reprise");
        Dirs { config, data }
    }

    /// Both directories under one folder (tests, portable installs).
    pub fn under(root: &Path) -> Dirs {
        Dirs {
            config: root.join("reglages"),
            data: root.join("donnees"),
        }
    }

    fn settings_file(&self) -> PathBuf {
        self.config.join("reglages.toml")
    }

    /// The default store of a new reception.
    pub fn default_store(&self) -> PathBuf {
        self.data.join("reprise.base")
    }

    /// The demonstration store.
    pub fn demo_store(&self) -> PathBuf {
        self.data.join("demonstration").join("demonstration.base")
    }
}

impl Settings {
    /// The saved settings, or the defaults when there are none or they cannot be read.
    pub fn load(dirs: &Dirs) -> Settings {
        std::fs::read_to_string(dirs.settings_file())
            .ok()
            .and_then(|t| toml::from_str::<Settings>(&t).ok())
            .map(|mut s| {
                s.text_scale = s.text_scale.clamp(0.75, 2.5);
                s.idle_minutes = s.idle_minutes.clamp(1, 240);
                s
            })
            .unwrap_or_default()
    }

    /// Saves the settings; a failure only costs the user their choices next time.
    pub fn save(&self, dirs: &Dirs) -> Result<(), String> {
        std::fs::create_dir_all(&dirs.config).map_err(|e| e.to_string())?;
        let text = toml::to_string_pretty(self).map_err(|e| e.to_string())?;
        let tmp = dirs.config.join(".reglages.toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, dirs.settings_file()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_bad_files_fall_back_to_defaults() {
        let d = tempfile::tempdir().unwrap();
        let dirs = Dirs::under(d.path());
        assert_eq!(Settings::load(&dirs), Settings::default());
        let s = Settings {
            lang: Lang::En,
            theme: Theme::Dark,
            text_scale: 1.5,
            idle_minutes: 5,
            last_store: Some(PathBuf::from("/x/y.base")),
        };
        s.save(&dirs).unwrap();
        assert_eq!(Settings::load(&dirs), s);
        std::fs::write(dirs.settings_file(), "lang = 3\n[[").unwrap();
        assert_eq!(Settings::load(&dirs), Settings::default());
    }
}
