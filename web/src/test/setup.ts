import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { reportUp } from "../api/connectivity";

// jsdom does not lay out pages, so it cannot scroll them.
window.scrollTo = () => undefined;

afterEach(() => {
  cleanup();
  reportUp();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  localStorage.clear();
  sessionStorage.clear();
});
