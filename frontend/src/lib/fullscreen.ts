// Fullscreen view with the keyboard held: in fullscreen, system shortcuts
// (Alt+Tab, the Windows key, Ctrl+Esc) should reach the sharer, not the
// helper's own desktop. Browsers that have the Keyboard Lock API hold them
// with navigator.keyboard.lock(); the desktop window (WebKitGTK has no
// Keyboard Lock) asks its Go side for a native keyboard grab.

interface KeyboardLock {
  lock(codes?: string[]): Promise<void>;
  unlock(): void;
}

function keyboardLock(): KeyboardLock | null {
  const k = (navigator as Navigator & { keyboard?: Partial<KeyboardLock> }).keyboard;
  return k && typeof k.lock === 'function' && typeof k.unlock === 'function' ? (k as KeyboardLock) : null;
}

function nativeGrab(): ((on: boolean) => Promise<boolean>) | null {
  return window.go?.app?.Desktop?.GrabKeyboard ?? null;
}

/** enterFullscreen shows el fullscreen and reports whether the keyboard is held for the sharer. */
export async function enterFullscreen(el: HTMLElement): Promise<boolean> {
  try {
    await el.requestFullscreen({ navigationUI: 'hide' });
  } catch {
    return false;
  }
  const lock = keyboardLock();
  if (lock) {
    try {
      await lock.lock();
      return true;
    } catch {
      return false;
    }
  }
  const grab = nativeGrab();
  if (grab) {
    try {
      return await grab(true);
    } catch {
      return false;
    }
  }
  return false;
}

/** leaveFullscreen lets the keyboard go and, if exit, leaves fullscreen. */
export async function leaveFullscreen(exit: boolean): Promise<void> {
  keyboardLock()?.unlock();
  const grab = nativeGrab();
  if (grab) await grab(false).catch(() => false);
  if (exit && document.fullscreenElement) await document.exitFullscreen().catch(() => {});
}
