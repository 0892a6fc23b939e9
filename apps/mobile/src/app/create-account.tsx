import { CreateAccountScreen } from '../screens/Auth/CreateAccountScreen';

export default CreateAccountScreen;
