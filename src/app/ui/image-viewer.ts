// Vant's full-screen viewer (swipe, pinch to zoom) with its styles: PhotoThumbs loads this on the first tap.
import { showImagePreview } from 'vant'
import 'vant/es/image-preview/style/index'

export { showImagePreview }
