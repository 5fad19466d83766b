import Combine
import Foundation
import SnapshotKit

/// Loads the snapshot for the overview window (same file and same sandbox rules as the widget).
final class SnapshotStore: ObservableObject {
    @Published private(set) var snapshot: Snapshot?
    @Published private(set) var loadError: String?
    /// `Update poolwatch` / `Update the widget` when the file has another schema; nil otherwise.
    @Published private(set) var loadErrorTitle: String?
    @Published private(set) var loadedAt = Date()
    let url: URL
    private var timer: Timer?

    init(url: URL = SnapshotLoader.defaultURL()) {
        self.url = url
    }

    /// The snapshot's language, else the user's preferred one (nothing loaded yet).
    var language: Language {
        snapshot?.language ?? Language.preferred(Locale.preferredLanguages)
    }

    func reload() {
        do {
            snapshot = try SnapshotLoader.load(from: url)
            loadError = nil
            loadErrorTitle = nil
        } catch {
            snapshot = nil
            let language = Language.preferred(Locale.preferredLanguages)
            loadError = (error as? SnapshotError)?.message(language) ?? String(describing: error)
            loadErrorTitle = (error as? SnapshotError)?.title(language)
        }
        loadedAt = Date()
    }

    /// Re-read every 30 s while the window is open (poolwatch rewrites the file on every run).
    func startPolling() {
        guard timer == nil else { return }
        let t = Timer(timeInterval: 30, repeats: true) { [weak self] _ in self?.reload() }
        RunLoop.main.add(t, forMode: .common)
        timer = t
    }

    func stopPolling() {
        timer?.invalidate()
        timer = nil
    }
}
