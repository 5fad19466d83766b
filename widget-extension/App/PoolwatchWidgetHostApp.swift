// Host app of the poolwatch widget. It is an agent app (LSUIElement): no Dock icon, no menu bar.
// Jobs:
//   - carry the widget extension (macOS only registers widgets of an installed app);
//   - handle `poolwatch://reload` (sent by poolwatch with `open -g` when a visible value changed):
//     WidgetCenter.shared.reloadAllTimelines(), then quit again if no window is open;
//   - handle `poolwatch://show` (widget click) and plain launches: a small pool overview window.
import AppKit
import SwiftUI
import SnapshotKit
#if canImport(WidgetKit)
import WidgetKit
#endif

@main
struct PoolwatchWidgetHostApp: App {
    @NSApplicationDelegateAdaptor(HostAppDelegate.self) private var appDelegate

    var body: some Scene {
        // Windows are managed by the delegate so that a background `open -g poolwatch://reload`
        // never pops one up (SwiftUI would open a WindowGroup window for every URL event).
        Settings {
            EmptyView()
        }
    }
}

enum HostCommand: Equatable {
    case reload
    case show
    case unknown(String)

    /// `poolwatch://reload`, `poolwatch://show`, `poolwatch:reload`, `poolwatch://` (show).
    init(url: URL) {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let word = (components?.host ?? components?.path ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            .lowercased()
        switch word {
        case "reload", "refresh": self = .reload
        case "", "show", "open": self = .show
        default: self = .unknown(word)
        }
    }
}

final class HostAppDelegate: NSObject, NSApplicationDelegate {
    let store = SnapshotStore()
    private var window: NSWindow?
    private var handledURLAtLaunch = false
    private var quitWorkItem: DispatchWorkItem?

    func applicationWillFinishLaunching(_ notification: Notification) {
        // Take over URL events before SwiftUI does (see the Settings-only scene above).
        NSAppleEventManager.shared().setEventHandler(
            self,
            andSelector: #selector(handleGetURL(_:withReplyEvent:)),
            forEventClass: AEEventClass(kInternetEventClass),
            andEventID: AEEventID(kAEGetURL))
    }

    func applicationDidFinishLaunching(_ notification: Notification) {
        // A URL launch delivers its event around didFinishLaunching; give it a moment before
        // deciding that this was a plain launch that should show the overview.
        DispatchQueue.main.asyncAfter(deadline: .now() + 0.3) { [weak self] in
            guard let self, !self.handledURLAtLaunch else { return }
            self.showOverview()
        }
    }

    func applicationShouldHandleReopen(_ sender: NSApplication, hasVisibleWindows flag: Bool) -> Bool {
        showOverview()
        return true
    }

    func applicationShouldTerminateAfterLastWindowClosed(_ sender: NSApplication) -> Bool {
        true
    }

    @objc private func handleGetURL(_ event: NSAppleEventDescriptor, withReplyEvent reply: NSAppleEventDescriptor) {
        handledURLAtLaunch = true
        guard let string = event.paramDescriptor(forKeyword: AEKeyword(keyDirectObject))?.stringValue,
              let url = URL(string: string) else { return }
        handle(HostCommand(url: url))
    }

    func handle(_ command: HostCommand) {
        switch command {
        case .reload:
            reloadWidgets()
            store.reload()
            if window?.isVisible != true {
                scheduleQuit()
            }
        case .show:
            showOverview()
        case .unknown(let word):
            NSLog("poolwatch widget host: ignoring unknown command %@", word)
            if window?.isVisible != true { scheduleQuit() }
        }
    }

    func reloadWidgets() {
        #if canImport(WidgetKit)
        WidgetCenter.shared.reloadAllTimelines()
        #endif
    }

    /// A background reload should not leave an invisible process behind. Wait a little so the
    /// reload request reaches chronod, and so that bursts of reload URLs reuse this process.
    private func scheduleQuit() {
        quitWorkItem?.cancel()
        let item = DispatchWorkItem { [weak self] in
            guard self?.window?.isVisible != true else { return }
            NSApp.terminate(nil)
        }
        quitWorkItem = item
        DispatchQueue.main.asyncAfter(deadline: .now() + 3, execute: item)
    }

    func showOverview() {
        quitWorkItem?.cancel()
        store.reload()
        if window == nil {
            let hosting = NSHostingController(rootView: OverviewView(store: store, reloadWidgets: { [weak self] in
                self?.reloadWidgets()
            }))
            let w = NSWindow(contentViewController: hosting)
            w.title = "Poolwatch"
            w.styleMask = [.titled, .closable, .miniaturizable, .resizable]
            w.setContentSize(NSSize(width: 460, height: 560))
            w.isReleasedWhenClosed = false
            w.setFrameAutosaveName("PoolwatchOverview")
            w.center()
            window = w
        }
        window?.makeKeyAndOrderFront(nil)
        NSApp.activate()
    }
}
