import SignaturePad from 'signature_pad'
import { PHOTO_MAX_SIDE } from '@/domain/attachments'

/*
 * A canvas to sign on with a finger, over signature_pad: the leader's answer sheet and the owner's answer page
 * (which runs apart from the leader's app) both sign on one. Nothing here touches the leader's database.
 */

export interface SignatureImage {
  blob: Blob
  width: number
  height: number
}

export interface SignatureSurface {
  isEmpty(): boolean
  clear(): void
  /**
   * Sizes the canvas to its box at the screen's density, within the largest photo the server takes, when its
   * width changed (a phone turned; the keyboard coming up changes only the height). A resized canvas is blank:
   * whether it was.
   */
  fit(): boolean
  /** The signature as an opaque PNG, at the canvas's pixel size. */
  png(): Promise<SignatureImage>
  /** The same PNG as a data URL, as the owner's page sends it. */
  dataUrl(): string
  destroy(): void
}

export function signatureSurface(canvas: HTMLCanvasElement, onStroke: () => void = () => {}): SignatureSurface {
  // White, not transparent: thumbnails and the office's exports are JPEGs, where transparent turns black.
  const pad = new SignaturePad(canvas, { backgroundColor: 'rgb(255,255,255)', penColor: '#111', minWidth: 1, maxWidth: 3 })
  pad.addEventListener('endStroke', onStroke)
  let fittedWidth = 0
  const surface: SignatureSurface = {
    isEmpty: () => pad.isEmpty(),
    clear: () => pad.clear(),
    fit() {
      if (canvas.offsetWidth === fittedWidth) return false
      fittedWidth = canvas.offsetWidth
      const ratio = Math.min(Math.max(window.devicePixelRatio || 1, 1), PHOTO_MAX_SIDE / Math.max(canvas.offsetWidth, canvas.offsetHeight, 1))
      canvas.width = canvas.offsetWidth * ratio
      canvas.height = canvas.offsetHeight * ratio
      canvas.getContext('2d')?.scale(ratio, ratio)
      pad.clear()
      return true
    },
    png: () =>
      new Promise((resolve, reject) =>
        canvas.toBlob((blob) => (blob ? resolve({ blob, width: canvas.width, height: canvas.height }) : reject(new Error('signature not encoded'))), 'image/png'),
      ),
    dataUrl: () => pad.toDataURL('image/png'),
    destroy: () => pad.off(),
  }
  surface.fit()
  return surface
}
