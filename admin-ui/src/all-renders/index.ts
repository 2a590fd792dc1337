import VideoLibraryIcon from '@mui/icons-material/VideoLibrary';
import { AllRenderList } from './AllRenderList';

export default { list: AllRenderList, icon: VideoLibraryIcon, options: { label: 'All renders' } };
